/**
 * Free loopback ports for servers that the test harness starts itself.
 *
 * @module
 */
import { createServer } from 'node:net';

/**
 * Asks the kernel for a port that is free right now on `host`: listens on port 0, reads the port it
 * was given and closes the listener again.
 *
 * Another process may take the port between this call and the server binding it; the window is a
 * few milliseconds, so a harness that retries on `EADDRINUSE` is not worth its complexity here.
 *
 * @param host - Address to probe. Defaults to `'127.0.0.1'`; only ever pass a loopback address.
 * @returns A port number that was free on `host`.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected listener address ${String(address)}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/**
 * Tells whether a TCP listener could bind `host:port` now, used to assert that a stopped server
 * really released its port.
 *
 * @param port - Port to try.
 * @param host - Address to try. Defaults to `'127.0.0.1'`.
 * @returns `true` when binding succeeded (and was undone), `false` on `EADDRINUSE`/`EACCES`.
 */
export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close((err) => (err ? reject(err) : resolve(true)));
    });
  });
}
