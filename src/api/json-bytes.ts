/**
 * The bytes JSON's structure is made of, for the scanners that read a document as bytes
 * without parsing it (deployment-scanner.ts, json-items.ts, file-body.ts).
 */
export const QUOTE = 0x22
export const BACKSLASH = 0x5c
export const OPEN_OBJECT = 0x7b
export const CLOSE_OBJECT = 0x7d
export const OPEN_ARRAY = 0x5b
export const CLOSE_ARRAY = 0x5d
export const COMMA = 0x2c
export const COLON = 0x3a

/** JSON's insignificant whitespace: space, tab, line feed, carriage return. */
export const WHITESPACE: ReadonlySet<number> = new Set([0x20, 0x09, 0x0a, 0x0d])
