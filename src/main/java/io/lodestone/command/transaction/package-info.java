/** Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH (queueing itself happens in the dispatcher). */
package io.lodestone.command.transaction;
