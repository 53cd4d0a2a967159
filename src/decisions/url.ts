/** Query parameters whose values are shown masked: a token in a URL is as secret as a password. */
const SECRET_PARAM = /token|secret|key|pass|signature|sig$|auth|credential/i;

/** The URL as it may be printed: no user or password, query values that look secret masked. */
export function displayUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL, yet it may hold a password: what stands between the scheme and an @ is left out.
    return text.replace(/^([^:/]*:\/*)[^/]*@/, '$1***@');
  }
  url.username = '';
  url.password = '';
  if (url.search === '') return url.href;
  const query = [...url.searchParams].map(([name, value]) => `${encodeURIComponent(name)}=${SECRET_PARAM.test(name) ? '***' : encodeURIComponent(value)}`);
  return `${url.origin}${url.pathname}?${query.join('&')}${url.hash}`;
}
