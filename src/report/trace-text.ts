// A test's trace as text, in the suites' own syntax: one line per segment with tcpdump flags and
// relative numbers, the FSM's expected state and the kernel's real state beside it.
import type { TraceLine } from '../peer/contract.js';

export function stateText(line: Pick<TraceLine, 'model' | 'truth'>): string {
  if (!line.model && !line.truth) return '';
  const parts = [line.model ? `fsm ${line.model}` : '', line.truth ? `kernel ${line.truth}` : ''].filter(Boolean);
  const disagree = line.model && line.truth && line.model !== line.truth ? '  <-- DISAGREE' : '';
  return `[${parts.join(', ')}]${disagree}`;
}

export function traceLineText(line: TraceLine): string {
  const t = `+${line.t.toFixed(6)}`;
  if (line.kind === 'note') return `${t} # ${line.text}`;
  if (line.kind === 'state') return `${t} # state: ${stateText(line) || line.text}`;
  const state = stateText(line);
  return `${t} ${line.kind === 'out' ? '>' : '<'} ${line.text}${state ? `   ${state}` : ''}`;
}

export const traceText = (trace: readonly TraceLine[]): string => trace.map(traceLineText).join('\n');
