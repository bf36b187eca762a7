import { z } from 'zod';
import { durationMs, identifier } from '../../core/units.ts';

/**
 * `clock`: how the gateway decides whether the system clock can be trusted. See the README
 * ("Time on a box without a clock") for what each choice means on a Raspberry Pi.
 */
export const clockSchema = z
  .strictObject({
    /**
     * `auto`: the kernel's synchronisation flag (adjtimex, through python3), else systemd-timesyncd's
     * flag file. `kernel`, `flag-file`: only that one. `assume-synced`: a box with a battery-backed
     * RTC set at installation.
     */
    sync: z.enum(['auto', 'kernel', 'flag-file', 'assume-synced']).default('auto'),
    /** The file whose existence means "synchronised" (systemd-timesyncd's by default). */
    flagFile: z.string().min(1).default('/run/systemd/timesync/synchronized'),
    /** How often the sync state is read. */
    checkInterval: durationMs.pipe(z.number().min(100, 'at least 100ms').max(600_000, 'at most 10m')).default(10_000),
    /** A jump of the wall clock against the monotonic clock larger than this is a step. */
    stepThreshold: durationMs.pipe(z.number().min(50, 'at least 50ms').max(3_600_000, 'at most 1h')).default(1_000),
    /**
     * A GNSS receiver (NMEA RMC/GGA) on a serial port as the time reference: used while it has a
     * valid fix, the system's own judgement (`sync`) otherwise.
     */
    gnss: z
      .strictObject({
        /** Device id of its fix-quality readings (kind `gnss-time`). */
        id: identifier.default('gnss-time'),
        port: z.string().min(1),
        baud: z.number().int().positive().default(9600),
        /** How often a fix-quality reading is produced. */
        readingInterval: durationMs.pipe(z.number().min(1_000, 'at least 1s')).default(60_000),
      })
      .optional(),
  })
  .prefault({});

export type ClockConfig = z.output<typeof clockSchema>;
