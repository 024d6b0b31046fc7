// DynamoDB's key limits, checked before a request: a key over them is refused with a ValidationException (a 500
// to our caller), yet an id that long was never one of ours, so it is simply not found.
export const PARTITION_KEY_BYTES = 2048;
export const SORT_KEY_BYTES = 1024;

export const fitsKey = (value: string, limit = PARTITION_KEY_BYTES) =>
  value.length > 0 && Buffer.byteLength(value, 'utf8') <= limit;
