const encoder = new TextEncoder();

/** UTF-8 length of a string: no tokenizer emits more tokens than the bytes it encodes. */
export const utf8Bytes = (text: string) => encoder.encode(text).length;
