import { displayUrl } from '../decisions/url.js';
import { InvalidArgumentError } from '../errors.js';

/** A webhook receiver: where to send, with what credentials, and how to name it safely. */
export interface Receiver {
  /** The URL without its user and password: what its delivery position is kept under. */
  key: string;
  /** The key with secret-looking query values masked: what is printed. */
  display: string;
  /** `Authorization: Basic …` from the URL's user and password, when it has them. */
  authorization: string | undefined;
  /** The user and password, never to be printed. */
  secrets: string[];
}

/** Parses a receiver's URL: http or https only. */
export function receiverOf(text: string): Receiver {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`'${displayUrl(text)}' is not a valid URL: give an http:// or https:// URL`, 'url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`${displayUrl(text)} is not an http:// or https:// URL`, 'url');
  }
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const secrets = [user, password, url.username, url.password].filter((secret) => secret !== '');
  const authorization = user === '' && password === '' ? undefined : `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  url.username = '';
  url.password = '';
  return { key: url.href, display: displayUrl(url.href), authorization, secrets };
}

/** `text` with every secret in `secrets` (passwords, keys) cut out: for messages that may quote them. */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let clean = text;
  for (const secret of secrets) if (secret !== undefined && secret.length >= 4) clean = clean.split(secret).join('***');
  return clean;
}
