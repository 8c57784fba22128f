// raw-socket 1.8.1 ships no types; this covers what tcpfsm uses.
declare module 'raw-socket' {
  import { EventEmitter } from 'node:events';

  namespace rawSocket {
    export const AddressFamily: { IPv4: number; IPv6: number };
    export const Protocol: { None: number; ICMP: number; TCP: number; UDP: number; ICMPv6: number };
    export const SocketLevel: Record<string, number>;
    export const SocketOption: Record<string, number>;

    export interface SocketOptions {
      protocol: number;
      addressFamily?: number;
      bufferSize?: number;
    }

    export class Socket extends EventEmitter {
      /** `beforeSend` runs right before the send(2) call; `afterSend` gets the byte count. */
      send(
        buffer: Buffer,
        offset: number,
        length: number,
        address: string,
        beforeSend: (() => void) | null,
        afterSend: (error: Error | null, bytes: number) => void,
      ): this;
      send(buffer: Buffer, offset: number, length: number, address: string, afterSend: (error: Error | null, bytes: number) => void): this;
      setOption(level: number, option: number, value: number | Buffer, length?: number): void;
      getOption(level: number, option: number, value: Buffer, length: number): number;
      pauseRecv(): this;
      resumeRecv(): this;
      close(): this;
      /** `buffer` is a view of a buffer reused by the next receive: copy before keeping it. */
      on(event: 'message', listener: (buffer: Buffer, source: string) => void): this;
      on(event: 'error', listener: (error: Error) => void): this;
      on(event: 'close', listener: () => void): this;
    }

    export function createSocket(options: SocketOptions): Socket;
  }
  export = rawSocket;
}
