import { Module } from '@nestjs/common';
import { OrganisationsModule } from '../organisations.module';
import { TenantsModule } from '@src/tenants/tenants.module';
import { WebModule } from '@src/web/web.module';
import { OrganisationManagementPagesController } from './organisation-management-pages.controller';
import { OrganisationsPagesController } from './organisations-pages.controller';
import { MissionCalendarPagesController } from './mission-calendar-pages.controller';
import { MissionsPagesController } from './missions-pages.controller';
import { OrganisationsPageContexts } from './organisations-page-contexts';
import { ProjectFormPagesController } from './project-form-pages.controller';
import { ProjectsPagesController } from './projects-pages.controller';

/** The organisations' pages: organisations, projects and missions. */
@Module({
  imports: [WebModule, OrganisationsModule, TenantsModule],
  controllers: [
    OrganisationsPagesController,
    OrganisationManagementPagesController,
    ProjectsPagesController,
    ProjectFormPagesController,
    MissionsPagesController,
    MissionCalendarPagesController,
  ],
  providers: [OrganisationsPageContexts],
})
export class OrganisationsPagesModule {}
