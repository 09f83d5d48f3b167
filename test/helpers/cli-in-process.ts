/** Runs `jarvis-sync` in this process, as the CLI tests do: what it printed on stdout and stderr, and its exit code. */
import { main } from '../../electron/headless/cli.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `env` is added to this process's environment; `now` is the clock the CLI reads (ages such as "7d"). */
export async function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; now?: () => number } = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    interactive: false,
    env: { ...process.env, ...opts.env },
    now: opts.now ?? Date.now,
  });
  return { code, out, err };
}
