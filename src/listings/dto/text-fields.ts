import { applyDecorators } from '@nestjs/common';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { Trimmed } from '@libs/http';

// Each list is written in the order stacked decorators apply (the one nearest the property first),
// so that a field's messages come out in the order they always had.

/** A published title (listings, projects): trimmed, 5 to 120 characters. */
export const TitleText = (): PropertyDecorator =>
  applyDecorators(
    MaxLength(120, { message: 'titre trop long (120 caractères au plus)' }),
    MinLength(5, { message: 'titre trop court (5 caractères au moins)' }),
    IsString({ message: 'titre requis' }),
    Trimmed(),
  );

/** The same title, in a change that may leave it as it is. */
export const OptionalTitleText = (): PropertyDecorator =>
  applyDecorators(
    MaxLength(120, { message: 'titre trop long (120 caractères au plus)' }),
    MinLength(5, { message: 'titre trop court (5 caractères au moins)' }),
    IsString(),
    Trimmed(),
    IsOptional(),
  );

/** A message between people (conversations, organisations' messages and replies): trimmed, 1 to 4 000 characters. */
export const MessageText = (): PropertyDecorator =>
  applyDecorators(
    MaxLength(4000, { message: '4 000 caractères au plus' }),
    MinLength(1, { message: 'message vide' }),
    IsString({ message: 'message requis' }),
    Trimmed(),
  );
