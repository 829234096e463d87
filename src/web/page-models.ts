import type Handlebars from 'handlebars';
import type { Form } from './forms';

/**
 * The model each page template renders, by template name. The shared pages are declared here;
 * each area declares its own beside its controllers (src/<area>/pages/*.views.ts) by merging
 * into this interface, so `PageRenderer.render('listing', model)` only compiles with a listing's model.
 */
export interface PageModels {
  error: { heading: string; detail: string };
  message: MessagePage;
  /** The one-click unsubscribe's confirmation (POST acts). */
  unsubscribe: { token: string };
}

export type PageName = keyof PageModels;

/** What a service method resolves to: the data a page shows as the service shaped it. */
export type Result<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

/** A short page of text with an optional link onward (confirmations, invalid links…). */
export interface MessagePage {
  heading: string;
  paragraphs: string[];
  link?: { href: string; label: string };
}

/** What a form page shows after a refused submission: the values sent back, each field's message, the alert. */
export interface FormState<V = Form> {
  values?: V;
  errors?: Record<string, string>;
  formError?: string;
}

/** A page with a notice above its content (after a redirect: "saved", "sent"…). */
export interface Notice {
  notice?: string;
}

/** The scripts and stylesheets a page adds to the layout (maps). */
export interface PageAssets {
  stylesheets: string[];
  scripts: string[];
}

/** A map's start, tiles and attribution (PageContexts.map). */
export interface MapView {
  center: { lat: number; lng: number };
  zoom: number;
  tileUrl: string;
  attribution: string;
}

/** HTML the server drew itself (SVG charts), marked safe for the template. */
export type SafeHtml = Handlebars.SafeString;
