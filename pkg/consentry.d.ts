// Types for the `consentry` package (pkg/consentry.js).

/** A category id of the policy, e.g. "necessary", "analytics", "marketing". */
export type CategoryId = string;

/**
 * The policy file as JSON (see the consentry README, "Policy file reference"). A policy the
 * module cannot read makes `start` reject and nothing is released. The module does not check
 * the policy's rules (`npx consentry-check policy.json` and the server do); one that breaks
 * them is made safe instead: nothing is granted without consent whatever it says.
 */
export interface Policy {
  revision: number;
  consent_max_age_days?: number;
  /** The consent cookie's name; sent as `__Host-<cookie_name>` over HTTPS unless `cookie_domain` is set. */
  cookie_name?: string;
  /**
   * Shares the consent with every host under this domain (`Domain=`, plain name). Any host under it
   * can then plant a consent every other host reads; leave it out unless consent must be shared.
   */
  cookie_domain?: string;
  default_region?: "opt-in" | "opt-out";
  regions?: Record<string, "opt-in" | "opt-out">;
  categories: Record<CategoryId, {
    required?: boolean;
    lawful_basis: "consent" | "contract" | "legal_obligation" | "vital_interests" | "public_task" | "legitimate_interests";
    consent_mode?: string[];
    sale_or_sharing?: boolean;
  }>;
  services?: Array<{
    id: string;
    category: CategoryId;
    provider: string;
    purpose: string;
    privacy_policy_url?: string;
    scripts?: string[];
    iframes?: string[];
    cookies?: CookieDecl[];
  }>;
  cookies?: CookieDecl[];
  undeclared_cookies?: "drop" | "warn" | "allow";
  receipt_endpoint?: string;
  texts?: Record<string, Texts>;
}

export interface CookieDecl {
  name: string;
  category?: CategoryId;
  provider?: string;
  purpose?: string;
  max_age_days?: number;
  exemption?: "authentication" | "session" | "security" | "csrf" | "load_balancing" | "ui_preference" | "consent_record";
  http_only?: boolean;
  same_site?: "strict" | "lax" | "none";
}

export interface Texts {
  title?: string;
  body?: string;
  accept_all?: string;
  reject_all?: string;
  preferences?: string;
  save?: string;
  blocked?: string;
  allow?: string;
  privacy_url?: string;
  /** The floating "Cookie settings" button (see `Options.settingsButton`). */
  settings?: string;
  categories?: Record<CategoryId, { title?: string; description?: string }>;
}

export interface Options {
  /** Region code from the site ("DE", "US-CA"); never guessed. Default: `data-region` on
   * `#consentry-policy`, else unknown (opt-in). */
  region?: string;
  /** Reload the page after a grant is taken back (code that ran cannot be unloaded). Default true. */
  reloadOnWithdraw?: boolean;
  /** SHA-256 of the canonical policy for receipts (the server's `Policy::sha256_hex`). Default:
   * `data-sha256` on `#consentry-policy`. Without it no receipts are sent (the module does not
   * hash the policy itself). */
  policySha256?: string;
  /** After a choice, on a page without a `data-consentry-open` element, show a floating
   * "Cookie settings" button that reopens the preferences. Default: true, unless
   * `data-settings-button="false"` on `#consentry-policy`. */
  settingsButton?: boolean;
  /** Where consentry_bg.wasm is. Default: beside consentry.js. */
  wasmUrl?: string | URL;
}

export interface State {
  /** Allowed categories now (required ones included), in policy order. */
  granted: CategoryId[];
  /** True while the visitor has not decided (the banner is asking). */
  needsPrompt: boolean;
  /** How the decision in force was made, or null. */
  method: "accept_all" | "reject_all" | "custom" | "gpc" | "withdrawal" | null;
  /** When it was made (unix seconds), or null. */
  decidedAt: number | null;
  /** The pseudonymous consent id (also in receipts), or null. */
  id: string | null;
  /** `navigator.globalPrivacyControl === true`. */
  gpc: boolean;
  region: string | null;
}

export interface Consentry {
  /** May this category run now? */
  granted(category: CategoryId): boolean;
  /** Grants every optional category. Like every call that decides or opens the banner, it
   * acts at once when the module is loaded; on a returning visitor's page, where the loader
   * carried out the stored choice without it, it loads the module first. The promise settles
   * when the call is done. */
  acceptAll(): Promise<void>;
  /** Refuses every optional category; over a stored grant this is a withdrawal. */
  rejectAll(): Promise<void>;
  /** Grants exactly these optional categories, refuses the others. */
  accept(categories: CategoryId[]): Promise<void>;
  /** Opens the second layer of the banner. */
  showPreferences(): Promise<void>;
  /** Withdraws consent: denied update, cookies deleted, the withdrawal stored as a standing
   * refusal (not asked again until it expires or the policy's revision changes), page reloaded. */
  withdraw(): Promise<void>;
  state(): State;
  /** Calls `cb` on every change; returns a function that stops it. */
  onChange(cb: (state: State) => void): () => void;
}

/**
 * Starts consentry once per page (later calls return the same promise). `policy` is the
 * policy object or the policy file's text.
 */
export function start(policy: Policy | string, options?: Options): Promise<Consentry>;

declare global {
  interface Window {
    /** Set by the zero-code embed once started. */
    consentry?: Consentry;
  }
  interface DocumentEventMap {
    "consentry:change": CustomEvent<State>;
  }
}
