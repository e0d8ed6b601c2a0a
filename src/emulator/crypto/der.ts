/** DER length octets (definite form; bodies under 64 KiB, all this emulator builds). */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  if (n < 0x100) return Buffer.of(0x81, n);
  return Buffer.of(0x82, n >> 8, n & 0xff);
}

/** One DER element: tag, length, body. */
export const der = (tag: number, body: Uint8Array): Buffer =>
  Buffer.concat([Buffer.of(tag), derLength(body.length), body]);
