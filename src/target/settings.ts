// Changing a stack's settings for the length of one piece of work, and putting them back.
import { UsageError } from '../sys/errors.js';
import type { StackSettings } from './stack.js';

/**
 * Set `values` (the stack's own names, as in `settings.values`), run `fn`, then restore what they
 * were, whatever `fn` did. A name the stack does not report cannot be restored: a UsageError
 * before anything changes.
 */
export async function withSettings<T>(settings: StackSettings, values: Readonly<Record<string, string>>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string> = {};
  for (const name of Object.keys(values)) {
    const now = settings.values[name];
    if (now === undefined) throw new UsageError(`setting ${name} is not one this stack reports (known: ${Object.keys(settings.values).join(', ')})`);
    saved[name] = now;
  }
  await settings.set(values);
  try {
    return await fn();
  } finally {
    await settings.set(saved);
  }
}
