/**
 * Certificates for TLS tests, made with the system's openssl.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Writes a self-signed certificate for `cn` into `dir` and returns its paths.
 *
 * @param altNames - Its subjectAltName. Defaults to `IP:127.0.0.1`.
 */
export function makeCertificate(
  dir: string,
  cn: string,
  altNames = 'IP:127.0.0.1',
): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${cn}.crt`);
  const keyFile = join(dir, `${cn}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=${altNames}`,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}
