import { $ } from './dom.js';

const KEY = 'rcache-secret-key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let asking: Promise<void> | undefined;

/** Shows the key form once, however many requests were refused meanwhile; resolves when a key is entered. */
function askForKey(refused: boolean): Promise<void> {
  asking ??= new Promise<void>((resolve) => {
    const dialog = $('#key-dialog') as HTMLDialogElement;
    const form = dialog.querySelector('form')!;
    const input = dialog.querySelector('input')!;
    $('#key-error').hidden = !refused;
    input.value = '';
    const submit = (event: Event) => {
      event.preventDefault();
      if (input.value === '') return;
      sessionStorage.setItem(KEY, input.value);
      form.removeEventListener('submit', submit);
      dialog.close();
      asking = undefined;
      resolve();
    };
    form.addEventListener('submit', submit);
    dialog.addEventListener('cancel', (event) => event.preventDefault());
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
  return asking;
}

/** A request with the key (when one was entered); a refusal asks for the key again and retries. */
async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  for (;;) {
    const key = sessionStorage.getItem(KEY);
    const headers = new Headers(init.headers);
    if (key !== null) headers.set('Authorization', `Bearer ${key}`);
    const response = await fetch(path, { ...init, headers });
    if (response.status !== 401) return response;
    await response.body?.cancel();
    await askForKey(key !== null);
  }
}

export async function api<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.set(name, value);
  const text = query.toString();
  const response = await authorizedFetch(text === '' ? path : `${path}?${text}`);
  const body = (await response.json()) as T & { error?: { message: string } };
  if (!response.ok) throw new ApiError(response.status, body.error?.message ?? response.statusText);
  return body;
}

/**
 * Calls `onVersion` with the cache's version now and after every commit. A fetch stream rather
 * than EventSource, which cannot send the Authorization header. Reconnects after a pause.
 */
export function live(onVersion: (version: string) => void, onState: (connected: boolean) => void): void {
  const connect = async () => {
    try {
      const response = await authorizedFetch('/api/events', { headers: { Accept: 'text/event-stream' } });
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      onState(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((line) => line.startsWith('data: '));
          if (data !== undefined) onVersion(JSON.parse(data.slice(6)) as string);
        }
      }
    } catch {
      // Reconnected below.
    }
    onState(false);
    setTimeout(connect, 1000);
  };
  void connect();
}
