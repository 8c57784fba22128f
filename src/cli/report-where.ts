// The end of `tcpfsm run`: one line per outcome, then where the report is, as a path and as a
// file:// URL a terminal can open with a click, and the command that opens it.
import { outcomeLines } from '../report/outcomes.js';
import type { Counts, RunRecord } from '../report/run.js';
import { reportUrl } from './commands/report.js';

export function reportWhere(run: RunRecord, counts: Counts, index: string, shown: string): string[] {
  return [
    ...outcomeLines(run, counts),
    `report: ${shown}`,
    `  ${reportUrl(index)}`,
    `  open it: tcpfsm report open${shown.startsWith('reports/') ? '' : ` ${shown.replace(/\/[^/]+\/index\.html$/, '')}`}`,
  ];
}
