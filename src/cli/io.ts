// Where commands print: stdout and stderr of the process, or a capture when the command line runs
// in-process (tests). Commands write through `io`, never to process.stdout directly.
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

export let io: Io = processIo;

/** Route command output to `next` until the returned function is called. */
export function useIo(next: Io): () => void {
  const previous = io;
  io = next;
  return () => {
    io = previous;
  };
}
