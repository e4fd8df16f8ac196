/**
 * Copies an R2 object to another key as a stream. The binding has no
 * server-side copy, and files run to 100 MB, so the bytes pass through
 * without ever being held whole; R2 takes a stream only when its length is
 * known up front. Returns false when there is no object at `from`.
 */
export async function copyObject(bucket: R2Bucket, from: string, to: string, options: R2PutOptions = {}): Promise<boolean> {
  const source = await bucket.get(from);
  if (!source) return false;
  const { readable, writable } = new FixedLengthStream(source.size);
  const [, put] = await Promise.all([source.body.pipeTo(writable), bucket.put(to, readable, options)]);
  if (!put) throw new Error(`${from} could not be copied to ${to}`);
  return true;
}
