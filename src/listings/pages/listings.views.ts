import type { Form } from '@src/web/forms';
import type { FormState, MapView, Notice, PageAssets, Result } from '@src/web/page-models';
import type { TenantsService } from '@src/tenants/tenants.service';
import type { OutcomesService } from '@src/outcomes/outcomes.service';
import type { ConversationsService } from '../conversations.service';
import type { ListingsService } from '../listings.service';

type Listing = Result<ListingsService['get']>;
type ListingItems = Result<ListingsService['search']>['items'];
type Categories = Result<TenantsService['categories']>;
type Neighbourhoods = Result<TenantsService['neighbourhoods']>;
type Conversation = Result<ConversationsService['get']>;

export interface HomeView {
  stats: Result<TenantsService['stats']>;
  categories: Categories;
  offers: ListingItems;
  requests: ListingItems;
  projects?: ListingItems;
}

export interface ListingsView extends Partial<PageAssets> {
  filters: Record<string, string | undefined>;
  categories: Categories;
  neighbourhoods: Neighbourhoods;
  items: ListingItems;
  next?: string;
  errors?: Record<string, string>;
  /** "12 annonces trouvées à moins de 2 km de votre position" (the first page of a search only). */
  count?: string;
  /** The form was sent: the count takes the focus. */
  focusResults: boolean;
  /** A home is saved in "Mon compte": "autour de mon domicile" is offered. */
  canNearMe: boolean;
  /** An address search is configured (GEOCODER_URL). */
  addressSearch: boolean;
  radii: Array<{ value: string; label: string; selected: boolean }>;
  /** "M'alerter pour cette recherche": the search's fields, and the page a visitor signs in to come back to. */
  alert: { fields: Record<string, string>; returnPath: string };
}

export interface MapPageView extends PageAssets {
  map: MapView;
  filters: { kind?: string; category?: string };
  categories: Categories;
  items: ListingItems;
  next?: string;
}

/** The posting form, also used to edit a listing and by the town-hall team for a relayed resident. */
export interface NewListingView extends PageAssets, FormState {
  map: MapView;
  categories: Categories;
  neighbourhoods: Neighbourhoods;
  /** The id of the listing being edited. */
  editing?: string;
  onBehalf?: { heading: string; action: string };
}

export interface ListingCreatedView {
  listing: Listing;
  held: boolean;
  reasons: string[];
}

export interface ListingView extends FormState {
  listing: Listing;
  mine?: boolean;
  relayedForStaff?: boolean;
  sent?: boolean;
  conversationId?: string;
  reported?: boolean;
}

export interface MyListingsView extends Notice {
  items: Result<ListingsService['mine']>['items'];
}

export interface FulfilView {
  listing: Result<OutcomesService['helpers']>['listing'];
  helpers: Result<OutcomesService['helpers']>['helpers'];
}

export interface ConversationsView {
  items: Result<ConversationsService['list']>['items'];
}

export interface ConversationView extends FormState<Form> {
  conversation: Conversation;
  sent?: boolean;
  notice?: string;
}

declare module '@src/web/page-models' {
  interface PageModels {
    home: HomeView;
    listings: ListingsView;
    map: MapPageView;
    'new-listing': NewListingView;
    'listing-created': ListingCreatedView;
    listing: ListingView;
    'my-listings': MyListingsView;
    fulfil: FulfilView;
    conversations: ConversationsView;
    conversation: ConversationView;
  }
}
