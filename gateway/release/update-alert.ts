import { join } from 'node:path';
import type { AlertInput } from '../../core/alert.ts';
import type { Logger } from '../../core/log.ts';
import { readKeyValues, removeFile, updateFiles } from './update-state.ts';

/**
 * After a rollback the launcher leaves a `failed` record; the release now running turns it into
 * an `update-failed` alert (committed to the outbox, so it is sent when the link allows) and
 * removes the record. Returns the alert raised, if any.
 */
export function reportFailedUpdate(options: { updateDir: string | undefined; alert: (alert: AlertInput) => void; log: Logger }): AlertInput | null {
  if (!options.updateDir) return null;
  const record = readKeyValues(join(options.updateDir, updateFiles.failed));
  if (!record) return null;
  const release = record.release ?? '?';
  const previous = record.previous ?? '?';
  const reason = record.reason ?? 'unknown';
  const alert: AlertInput = {
    id: 'update-failed',
    state: 'raised',
    severity: 'critical',
    rule: 'update',
    device: null,
    message: {
      th: `อัปเดตเป็นรุ่น ${release} ไม่สำเร็จ (${reason}) ระบบกลับไปใช้รุ่น ${previous} โดยอัตโนมัติ`,
      en: `Update to release ${release} failed (${reason}); rolled back to release ${previous} automatically`,
    },
    values: { release, previous, reason },
    ...(record.at_s ? { tsMs: Number(record.at_s) * 1000 } : {}),
  };
  options.alert(alert);
  options.log.error({ release, previous, reason }, 'update failed and was rolled back');
  removeFile(options.updateDir, updateFiles.failed);
  return alert;
}
