/** `samgraf federation keygen`: a new Ed25519 key pair for one part of a federated deployment (internal-auth.ts). */
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export interface PartKeyPair {
  /** For the part's own config (`federation.internalAuth.signingKey`), best from a secret store. */
  privateKey: JWK;
  /** For every config that talks to the part (`federation.internalAuth.trustedKeys.NAME`). */
  publicKey: JWK;
}

export async function generatePartKeys(): Promise<PartKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { privateKey: await exportJWK(privateKey), publicKey: await exportJWK(publicKey) };
}
