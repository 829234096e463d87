import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsLatitude,
  IsLongitude,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

const EMAIL = { message: 'adresse e-mail invalide' };
const REQUIRED = (what: string) => ({ message: `${what} requis` });

export class SignupDto {
  @ApiProperty() @IsEmail({}, EMAIL) @MaxLength(254) email!: string;
  @ApiProperty() @IsString(REQUIRED('mot de passe')) @MaxLength(200) password!: string;
  @ApiProperty({ example: 'Marie D.' })
  @IsString(REQUIRED('nom affiché'))
  @MinLength(3, { message: 'nom affiché trop court' })
  @MaxLength(80)
  displayName!: string;
  @ApiProperty()
  @Equals(true, { message: "l'acceptation des conditions d'utilisation est requise" })
  acceptTerms!: boolean;
}

export class TokenDto {
  @ApiProperty()
  @IsString(REQUIRED('jeton'))
  @MinLength(10, { message: 'jeton invalide' })
  @MaxLength(200)
  token!: string;
}

export class EmailDto {
  @ApiProperty() @IsEmail({}, EMAIL) @MaxLength(254) email!: string;
}

export class LoginDto {
  @ApiProperty() @IsEmail({}, EMAIL) @MaxLength(254) email!: string;
  @ApiProperty() @IsString(REQUIRED('mot de passe')) @MaxLength(200) password!: string;
}

export class ResetConfirmDto extends TokenDto {
  @ApiProperty() @IsString(REQUIRED('mot de passe')) @MaxLength(200) password!: string;
}

export class AcceptInvitationDto extends ResetConfirmDto {
  @ApiProperty({ example: 'Marie D.' })
  @IsString(REQUIRED('nom affiché'))
  @MinLength(3)
  @MaxLength(80)
  displayName!: string;
}

export class LatLngDto {
  @ApiProperty() @IsLatitude({ message: 'latitude invalide' }) lat!: number;
  @ApiProperty() @IsLongitude({ message: 'longitude invalide' }) lng!: number;
}

export class NotificationPrefsDto {
  @ApiPropertyOptional({ enum: ['immediate', 'daily', 'off'] })
  @IsOptional()
  @IsIn(['immediate', 'daily', 'off'], { message: 'mode attendu : immediate, daily ou off' })
  mode?: 'immediate' | 'daily' | 'off';
  @ApiPropertyOptional()
  @IsOptional()
  @IsInt({ message: 'rayon en mètres attendu' })
  @Min(100, { message: 'rayon minimum : 100 m' })
  @Max(20000, { message: 'rayon maximum : 20 000 m' })
  radiusM?: number;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray({ message: 'liste de catégories attendue' })
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true, message: 'identifiant de catégorie invalide' })
  categoryIds?: string[];
  @ApiPropertyOptional({ type: [String], enum: ['offer', 'request'], description: 'offers, requests or both' })
  @IsOptional()
  @IsArray({ message: 'liste attendue : offer, request' })
  @ArrayMinSize(1, { message: 'choisissez les offres, les demandes ou les deux' })
  @ArrayMaxSize(2)
  @IsIn(['offer', 'request'], { each: true, message: 'type attendu : offer ou request' })
  kinds?: Array<'offer' | 'request'>;
}

export class UpdateMeDto {
  @ApiPropertyOptional({ example: 'Marie D.' })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(80)
  displayName?: string;
  @ApiPropertyOptional({ type: LatLngDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => LatLngDto)
  location?: LatLngDto | null;
  @ApiPropertyOptional({ type: NotificationPrefsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => NotificationPrefsDto)
  notifications?: NotificationPrefsDto;
}
