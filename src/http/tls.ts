import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';

/** The certificate and key files of `tls.certFile` / `tls.keyFile`. */
export interface TlsFiles {
  /** PEM certificate chain. */
  readonly certFile: string;
  /** PEM private key. */
  readonly keyFile: string;
}

/** Something whose certificate can be swapped while it runs (`https`/`http2` secure servers). */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

/**
 * Reads the certificate and key.
 *
 * @throws {TypeError} naming the file that cannot be read.
 */
export function readTlsFiles(files: TlsFiles): { cert: Buffer; key: Buffer } {
  const read = (file: string, setting: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new TypeError(`${setting} ${file} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  };
  return { cert: read(files.certFile, 'tls.certFile'), key: read(files.keyFile, 'tls.keyFile') };
}

/**
 * Reloads the certificate and key into `server` on SIGHUP (a renewed certificate without a restart;
 * open connections keep theirs). A failed reload is logged and the running certificate kept.
 *
 * @returns a function that stops listening for SIGHUP.
 */
export function reloadTlsOnSighup(server: SecureContextTarget, files: TlsFiles, log: Logger): () => void {
  const reload = (): void => {
    try {
      server.setSecureContext(readTlsFiles(files));
      log.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    } catch (err) {
      log.error(
        { err: (err as Error).message, certFile: files.certFile },
        'TLS reload failed; keeping the running certificate',
      );
    }
  };
  process.on('SIGHUP', reload);
  return () => {
    process.off('SIGHUP', reload);
  };
}
