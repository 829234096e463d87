import type { Form } from '@src/web/forms';
import type { FormState, Notice, Result, SafeHtml } from '@src/web/page-models';
import type { AccountsService } from '@src/accounts/accounts.service';
import type { AdminService } from '../admin.service';

/** What a refused form sends back to the administration page, or the notice after a change. */
export interface AdminPageExtra extends Notice {
  formError?: string;
  inviteErrors?: Record<string, string>;
  inviteValues?: { email?: string };
  catalogueErrors?: Record<string, string>;
  catalogueValues?: Form;
}

export interface AdminView extends AdminPageExtra {
  stats: Result<AdminService['stats']>;
  totals: Record<string, number>;
  chart: SafeHtml;
  categories: Result<AdminService['tenantCategories']>;
  staff: Result<AccountsService['staff']>;
  catalogue?: Result<AdminService['catalogue']>;
  /** The federation's categories this commune does not show yet. */
  available: Result<AdminService['availableCategories']>;
}

/** Renaming and describing a category of the catalogue (its short name stays: links and tenant files use it). */
export interface AdminCategoryView extends FormState<Form> {
  heading: string;
  category: { id: string; name: string; slug: string; archived: boolean };
}

declare module '@src/web/page-models' {
  interface PageModels {
    admin: AdminView;
    'admin-category': AdminCategoryView;
  }
}
