/**
 * Ed25519 note keys on Node.js: the log's checkpoint signer and a witness's cosigner. A key file holds one line
 * in the form Go's golang.org/x/mod/sumdb/note uses, `PRIVATE+KEY+<name>+<key id hex>+<base64(type ‖ seed)>`,
 * so keys move between samgraf and the field's tools. Made by `samgraf audit keygen`.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { COSIGNATURE_V1, cosignedMessage, ED25519, keyIdOf, NoteError, signatureLine, verifierKeyText, type SignatureType } from './note.js';
import { toHex } from './proofs.js';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

export class NoteSigner {
  private constructor(
    readonly name: string,
    readonly type: SignatureType,
    private readonly privateKey: KeyObject,
    readonly publicKey: Uint8Array,
    private readonly keyId: Uint8Array,
    /** The verifier key to give those who check its signatures. */
    readonly verifierKey: string,
  ) {}

  static async fromSeed(name: string, type: SignatureType, seed: Uint8Array): Promise<NoteSigner> {
    if (seed.length !== 32) throw new NoteError('an Ed25519 key\'s seed is 32 bytes');
    const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
    const publicKey = new Uint8Array(Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url'));
    return new NoteSigner(name, type, privateKey, publicKey, await keyIdOf(name, type, publicKey), await verifierKeyText(name, type, publicKey));
  }

  static async generate(name: string, type: SignatureType): Promise<{ signer: NoteSigner; keyFile: string }> {
    const { privateKey } = generateKeyPairSync('ed25519');
    const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const signer = await NoteSigner.fromSeed(name, type, seed);
    return { signer, keyFile: `PRIVATE+KEY+${name}+${toHex(signer.keyId)}+${Buffer.concat([Buffer.of(type), seed]).toString('base64')}\n` };
  }

  static async parse(text: string): Promise<NoteSigner> {
    const match = /^PRIVATE\+KEY\+([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
    if (!match) throw new NoteError('a key file holds one line PRIVATE+KEY+<name>+<key id>+<base64 key>, as `samgraf audit keygen` writes it');
    const material = Buffer.from(match[3]!, 'base64');
    const type = material[0];
    if ((type !== ED25519 && type !== COSIGNATURE_V1) || material.length !== 33) throw new NoteError('the key file does not hold an Ed25519 key');
    const signer = await NoteSigner.fromSeed(match[1]!, type, material.subarray(1));
    if (toHex(signer.keyId) !== match[2]) throw new NoteError('the key file\'s key id does not match its key');
    return signer;
  }

  static async read(path: string): Promise<NoteSigner> {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new NoteError(`cannot read the key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    return NoteSigner.parse(text);
  }

  /** The same key as the other type: a witness made with a log's key type still cosigns as 0x04. */
  async as(type: SignatureType): Promise<NoteSigner> {
    if (type === this.type) return this;
    return new NoteSigner(this.name, type, this.privateKey, this.publicKey, await keyIdOf(this.name, type, this.publicKey), await verifierKeyText(this.name, type, this.publicKey));
  }

  /** The signature line for a note's text (type 0x01). */
  sign(text: string): string {
    return signatureLine(this.name, this.keyId, sign(null, Buffer.from(text, 'utf8'), this.privateKey));
  }

  /** A cosignature line over a checkpoint's text at `time` seconds (type 0x04, c2sp.org/tlog-cosignature). */
  cosign(text: string, time: number): string {
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64BE(BigInt(time));
    const signature = sign(null, Buffer.from(cosignedMessage(text, time), 'utf8'), this.privateKey);
    return signatureLine(this.name, this.keyId, Buffer.concat([stamp, signature]));
  }
}
