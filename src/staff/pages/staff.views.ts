import type { Form } from '@src/web/forms';
import type { FormState, MapView, Notice, PageAssets, Result } from '@src/web/page-models';
import type { TenantsService } from '@src/tenants/tenants.service';
import type { RelayedResidentsService } from '../relayed-residents.service';
import type { ExportSection } from './resident-export-page';

type InboxItems = Result<RelayedResidentsService['inboxItems']>['items'];
type Resident = Result<RelayedResidentsService['get']>;

export interface StaffInboxView extends Notice {
  toCall: InboxItems;
  called: InboxItems;
}

export interface StaffResidentsView extends Notice {
  items: Result<RelayedResidentsService['list']>['items'];
}

export interface StaffResidentView extends Notice, FormState<Form> {
  resident: Resident & { consentLabel: string | undefined };
  listings: Array<Resident['listings'][number] & { open: boolean }>;
}

export interface StaffResidentFormView extends PageAssets, FormState<Form> {
  heading: string;
  resident?: { id: string; displayName: string };
  map: MapView;
  neighbourhoods: Result<TenantsService['neighbourhoods']>;
  consents: Array<{ value: string; label: string | undefined; checked: boolean }>;
}

export interface StaffResidentExportView {
  resident: { id: string; displayName: string };
  exportedAt: Date;
  sections: ExportSection[];
}

/** Writing to a matching listing's author in a relayed resident's name, from an inbox item. */
export interface StaffContactView extends FormState<Form> {
  item: InboxItems[number] & { matchedListing: NonNullable<InboxItems[number]['matchedListing']> };
}

declare module '@src/web/page-models' {
  interface PageModels {
    'staff-inbox': StaffInboxView;
    'staff-residents': StaffResidentsView;
    'staff-resident': StaffResidentView;
    'staff-resident-form': StaffResidentFormView;
    'staff-resident-export': StaffResidentExportView;
    'staff-contact': StaffContactView;
  }
}
