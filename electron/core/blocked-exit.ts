/**
 * Ending the process when one of its threads cannot end. Node (and the Node inside Electron) joins every worker
 * thread before the process exits, and a reader thread blocked in a system call that never returns (a read on a hung
 * network mount, which read-thread.ts abandons after REQUEST_TIMEOUT_MS) cannot be joined: the CLI would never
 * return, and the daemon or the app would never quit, holding the data folder's lock so that it cannot be started
 * again either. Measured with a read blocked on a FIFO: `process.exit()` and a drained event loop both wait for it.
 *
 * The one way out without that join is a signal the process does not handle. So the caller closes everything first
 * (the index, the logs), then calls this: when a reader thread is still blocked it logs which, and SIGKILLs its own
 * process (exit status 137 on POSIX; on Windows, TerminateProcess with exit code 1). Otherwise it does nothing, and
 * the caller exits the usual way with its own exit code.
 */
import { blockedReaderThreads } from '../connectors/read-thread.js';

export interface BlockedExitDeps {
  /** Where to say why the process ends this way (the log, or the CLI's stderr). */
  warn: (message: string) => void;
  /** process.kill, replaced in tests. */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  /** blockedReaderThreads, replaced in tests. */
  blocked?: () => (string | null)[];
}

/** Kills the process when a reader thread blocked in a system call would keep it from exiting; false otherwise. */
export function killIfThreadsBlocked(deps: BlockedExitDeps): boolean {
  const blocked = (deps.blocked ?? blockedReaderThreads)();
  if (blocked.length === 0) return false;
  const known = blocked.filter((p): p is string => p !== null);
  const where = known.length > 0 ? ` (on ${known.join(', ')})` : '';
  deps.warn(
    `${blocked.length === 1 ? 'A file read is' : `${blocked.length} file reads are`} still blocked${where}, ` +
      'probably on a network drive that stopped answering. Everything else is closed; ending the process without ' +
      'waiting for the read.',
  );
  const kill = deps.kill ?? ((pid, signal) => process.kill(pid, signal));
  kill(process.pid, 'SIGKILL');
  return true;
}
