import { postgrestError } from '../../errors.js';
import { EXPOSED_SCHEMA, type RoutineDescription } from '../../schema-cache.js';

function sameArguments(routine: RoutineDescription, keys: readonly string[]): boolean {
  const names = new Set(routine.params.map((param) => param.name));
  return (
    keys.every((key) => names.has(key)) &&
    routine.params.every((param) => !param.required || keys.includes(param.name))
  );
}

function describeKeys(keys: readonly string[], parenthesized: boolean): string {
  if (keys.length === 0) return ' without parameters';
  if (parenthesized) return `(${keys.join(', ')})`;
  return ` with parameter${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
}

/**
 * Picks the function a call names, the way PostgREST does: among the overloads of the name
 * (only allow-listed functions have any), then by the set of argument names (all given names must be parameters, every
 * parameter without a default must be given). No match is 404 PGRST202, several are 300 PGRST203.
 * Argument values are not checked here: the database casts and validates them.
 */
export function resolveRoutine(
  overloads: readonly RoutineDescription[],
  name: string,
  argumentKeys: readonly string[],
  jsonBody: boolean,
): RoutineDescription {
  const keys = [...argumentKeys].sort();
  const matches = overloads.filter((routine) => sameArguments(routine, keys));
  if (matches.length === 1) return matches[0] as RoutineDescription;
  const qualified = `${EXPOSED_SCHEMA}.${name}`;
  if (matches.length > 1) {
    throw postgrestError(
      300,
      'PGRST203',
      `Could not choose the best candidate function between: ${matches
        .map(
          (routine) =>
            `${qualified}(${routine.params.map((p) => `${p.name} => ${p.type}`).join(', ')})`,
        )
        .join(', ')}`,
      {
        hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
      },
    );
  }
  const closest = overloads[0];
  throw postgrestError(
    404,
    'PGRST202',
    `Could not find the function ${qualified}${describeKeys(keys, true)} in the schema cache`,
    {
      details: `Searched for the function ${qualified}${describeKeys(keys, false)}${
        jsonBody ? ' or with a single unnamed json/jsonb parameter' : ''
      }, but no matches were found in the schema cache.`,
      hint: closest
        ? `Perhaps you meant to call the function ${qualified}(${closest.params
            .map((param) => param.name)
            .sort()
            .join(', ')})`
        : null,
    },
  );
}
