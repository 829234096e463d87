import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ProblemException } from './problem';

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
    exceptionFactory: (errors) => ProblemException.invalid(fieldErrors(errors)),
  });
}
