import { bufferSchema } from '../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { silentLogger } from '../../core/log.ts';
import { outboxContract } from './outbox.contract.ts';

outboxContract('SqliteOutbox', (dir, limits) => {
  const config = bufferSchema.parse({ commitInterval: '10s', drain: { historyBatch: limits?.historyBatch ?? 500 } });
  return new SqliteOutbox({ config, dataDir: dir, log: silentLogger() });
});
