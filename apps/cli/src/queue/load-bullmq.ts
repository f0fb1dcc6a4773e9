import type * as Bullmq from 'bullmq';
import { queueErrors } from './queue-errors';

/** BullMQ, imported only when --queue is used (an optional dependency of @cdm/cli). */
export async function loadBullmq(): Promise<typeof Bullmq> {
  try {
    return await import('bullmq');
  } catch (error) {
    throw queueErrors.queueNotInstalled(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}
