import { Transform } from 'class-transformer';

/** A string's value without the white space around it; any other value as it came. */
export const trimmed = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** A text field trimmed before its rules are checked (a title of spaces is then an empty title). */
export const Trimmed = (): PropertyDecorator => Transform(trimmed);
