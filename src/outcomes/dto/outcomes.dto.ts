import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { Trimmed } from '@libs/http';

export class FulfilDto {
  @ApiPropertyOptional({ description: 'the conversation whose neighbour helped' })
  @IsOptional()
  @IsUUID('all', { message: 'identifiant de conversation invalide' })
  conversationId?: string;
}

export class FeedbackDto {
  @ApiProperty({ description: 'did it go well?' })
  @IsBoolean({ message: 'oui (true) ou non (false) attendu' })
  ok!: boolean;
  @ApiPropertyOptional()
  @IsOptional()
  @Trimmed()
  @IsString()
  @MaxLength(2000, { message: '2 000 caractères au plus' })
  comment?: string;
}
