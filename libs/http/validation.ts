import { ValidationError, ValidationPipe } from '@nestjs/common';
import { isISO8601, ValidateBy, ValidationOptions } from 'class-validator';
import { FieldError, InvalidError } from '@libs/errors';

/** Flattens class-validator errors into `field` paths like `location.lat`. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

/** The one validation pipe: unknown fields rejected, bad input answered 422 naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    // One message per field: the first rule it breaks.
    stopAtFirstError: true,
    transform: true,
    exceptionFactory: (errors) => new InvalidError(fieldErrors(errors)),
  });
}

/**
 * A date, or date and time, that PostgreSQL stores as given: strict ISO 8601 (a real calendar
 * day) whose UTC offset is within ±15:59. ISO allows offsets up to ±23:59, which PostgreSQL
 * refuses ("time zone displacement out of range"), a 500 if not caught here.
 */
export function isStorableDate(v: unknown): boolean {
  if (typeof v !== 'string' || !isISO8601(v, { strict: true })) return false;
  const offset = /\d[T ]\d.*[+-](\d{2})(?::?\d{2})?$/.exec(v);
  return !offset || Number(offset[1]) <= 15;
}

export function IsStorableDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isStorableDate', validator: { validate: isStorableDate } }, options);
}
