import type { FormState, MapView, Notice, PageAssets, Result } from '@src/web/page-models';
import type { TenantsService } from '@src/tenants/tenants.service';

type Values = Record<string, string | boolean | undefined>;

/** A button of an identity provider (FranceConnect, ProConnect, a commune's own). */
export interface ProviderButtonView {
  id: string;
  kind: string;
  label: string;
}

export interface LoginView extends FormState<Values> {
  /** Where to go once signed in (a path of this site). */
  retour: string;
  /** The identity providers this commune offers residents and staff. */
  residentProviders?: ProviderButtonView[];
  staffProviders?: ProviderButtonView[];
}

export interface SignupView extends FormState<Values> {
  /** Where the verification brings the person back, signed in (a path of this site). */
  retour?: string;
  residentProviders?: ProviderButtonView[];
}

export type PasswordForgottenView = FormState<Values>;

/** The new-password form, also the invitation's (name and password). */
export interface PasswordNewView extends FormState<Values> {
  action: string;
  token?: string;
  invitation?: boolean;
}

export interface VerifyView {
  token: string;
}

export interface AccountView
  extends PageAssets, Notice, FormState<Record<string, string | string[] | number | undefined>> {
  map: MapView;
  account: { email: string | null; location?: { lat: number; lng: number } | null };
  categories: Array<
    | (Result<TenantsService['categories']>[number] & { checked: boolean })
    | { id: string; slug: string; name: string; checked: boolean }
  >;
  neighbourhoods: Result<TenantsService['neighbourhoods']>;
  radii: Array<{ value: string; label: string; selected: boolean }>;
}

declare module '@src/web/page-models' {
  interface PageModels {
    login: LoginView;
    signup: SignupView;
    'password-forgotten': PasswordForgottenView;
    'password-new': PasswordNewView;
    verify: VerifyView;
    account: AccountView;
  }
}
