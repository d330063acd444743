/**
 * C2SP signed notes, checkpoints and cosignatures (src/access-log/transparency/note.ts, signer.ts): what is
 * signed verifies, and each way of bending a note is refused — another key of the same name, a changed text, a
 * signature that is not in canonical base64, a verifier key whose id is not its key's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { asCosigner, checkpointText, COSIGNATURE_V1, ED25519, formatNote, NoteError, parseNote, parseVerifierKey, signatureBy, verifyCheckpoint } from '../src/access-log/transparency/note.js';
import { NoteSigner } from '../src/access-log/transparency/signer.js';

const ROOT = new Uint8Array(32).fill(9);

describe('signed notes, checkpoints and cosignatures', () => {
  test('a checkpoint signed by the log and cosigned by a witness verifies, with the cosignature\'s time', async () => {
    const { signer: log, keyFile } = await NoteSigner.generate('log.note.test/a', ED25519);
    assert.match(keyFile, /^PRIVATE\+KEY\+log\.note\.test\/a\+[0-9a-f]{8}\+/);
    assert.equal((await NoteSigner.parse(keyFile)).verifierKey, log.verifierKey, 'the key file reads back as the same key');
    const { signer: witness } = await NoteSigner.generate('witness.note.test/w', COSIGNATURE_V1);
    const text = checkpointText(log.name, 42, ROOT);
    const note = formatNote(text, [log.sign(text), witness.cosign(text, 1_700_000_000)]);
    const { checkpoint, cosigned } = await verifyCheckpoint(note, await parseVerifierKey(log.verifierKey), [await parseVerifierKey(witness.verifierKey)]);
    assert.equal(checkpoint.size, 42);
    assert.deepEqual(cosigned.map((c) => [c.key.name, c.time]), [['witness.note.test/w', 1_700_000_000]]);
  });

  test('a witness listed by a key made for a log (type 0x01) is checked as a cosigner all the same', async () => {
    const { signer } = await NoteSigner.generate('witness.note.test/x', ED25519);
    const cosigner = await signer.as(COSIGNATURE_V1);
    const listed = await asCosigner(await parseVerifierKey(signer.verifierKey));
    assert.equal(listed.text, cosigner.verifierKey);
  });

  test('refused: another key of the same name, a changed text, non-canonical base64, a verifier key whose id is not its key\'s', async () => {
    const { signer: log } = await NoteSigner.generate('log.note.test/b', ED25519);
    const { signer: impostor } = await NoteSigner.generate('log.note.test/b', ED25519);
    const key = await parseVerifierKey(log.verifierKey);
    const text = checkpointText(log.name, 7, ROOT);
    await assert.rejects(verifyCheckpoint(formatNote(text, [impostor.sign(text)]), key), /not signed by the log's key/);
    const changed = checkpointText(log.name, 8, ROOT);
    await assert.rejects(verifyCheckpoint(formatNote(changed, [log.sign(text)]), key), /does not verify/);
    // The last base64 character carries unused bits: another letter decodes to the same bytes.
    const line = log.sign(text);
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const bent = `${line.slice(0, -2)}${ALPHABET[ALPHABET.indexOf(line.at(-2)!) ^ 1]}=`;
    assert.throws(() => parseNote(formatNote(text, [bent])), (error: unknown) => error instanceof NoteError && /canonical base64/.test(error.problem));
    const [name, id, material] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(log.verifierKey)!.slice(1) as [string, string, string];
    const otherId = ((parseInt(id, 16) ^ 1) >>> 0).toString(16).padStart(8, "0");
    await assert.rejects(parseVerifierKey(`${name}+${otherId}+${material}`), /id does not match/);
    const parsed = parseNote(formatNote(text, [line]));
    assert.equal(await signatureBy(parsed, await asCosigner(key)), null, 'a log\'s signature is no cosignature');
  });
});
