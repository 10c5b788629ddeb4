import type { ExplainCapture } from './explain.js';
import type { Metric } from './metrics.js';

/** What a scenario measured. */
export interface ScenarioFigures {
  metrics: Metric[];
  /** Raw figures and settings for the JSON report. */
  details: Record<string, unknown>;
  /** The plans of the statements the scenario times, from `explain()`. */
  explains?: ExplainCapture[];
}

export interface ScenarioReport extends ScenarioFigures {
  scenario: string;
  /** Set when the scenario could not produce its figures. */
  error?: string;
}

/** How many figures had a target, how many met it, how many scenarios errored. */
export function countResults(scenarios: readonly ScenarioReport[]) {
  const targeted = scenarios.flatMap((s) => s.metrics).filter((m) => m.pass !== undefined);
  return {
    figures: scenarios.reduce((sum, s) => sum + s.metrics.length, 0),
    targets: targeted.length,
    passed: targeted.filter((m) => m.pass).length,
    failed: targeted.filter((m) => !m.pass).length,
    errors: scenarios.filter((s) => s.error !== undefined).length,
  };
}
