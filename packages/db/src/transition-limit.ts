/** Anything that runs one SQL statement: a `pg` client or pool. */
interface Queryable {
  query(text: string): Promise<unknown>;
}

/**
 * Lifts the database's per-mentor transition limit (`private.status_transition_limit`: 20
 * transitions per mentor in any 60 minutes by default, PM429 beyond) for workloads that
 * change one mentor far more often on purpose: benchmarks and load tests. Run it as the table
 * owner against a database made for that workload only, never against one people use.
 */
export async function liftStatusTransitionLimit(owner: Queryable): Promise<void> {
  await owner.query('update private.status_transition_limit set max_transitions = 2147483647');
}
