/**
 * The compact form of one AWS model shape, as written by `scripts/gen-wire-shapes.mjs`.
 * Short property names keep the generated table small.
 */
export interface ModelShape {
  /** Shape type. */
  t: 'structure' | 'list' | 'map' | 'string' | 'blob' | 'integer' | 'boolean' | 'timestamp' | 'long';
  /** Structure members: member name → shape name. */
  m?: Record<string, string>;
  /** Required structure members. */
  r?: string[];
  /** List member shape. */
  l?: string;
  /** Map key and value shapes. */
  k?: string;
  v?: string;
  /** Length (string/blob/list/map) or value (integer) bounds. */
  min?: number;
  max?: number;
  /** Regular expression the string must match (searched, as Smithy does). */
  p?: string;
  /** Allowed enum values. */
  e?: string[];
}
