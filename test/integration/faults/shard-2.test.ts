/** Seeds ≡ 1 (mod FAULT_SHARDS) of the fault-injection runs (test/support/fault-harness.ts). */
import { faultShard } from '../../support/fault-harness.ts';

faultShard(1);
