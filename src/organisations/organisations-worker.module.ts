import { Module } from '@nestjs/common';
import { OrganisationsModule } from './organisations.module';

/** Organisations where workers run: their alert source (missions) registers with the alerts pipeline. */
@Module({ imports: [OrganisationsModule] })
export class OrganisationsWorkerModule {}
