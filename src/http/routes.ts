import type { IncomingMessage } from 'node:http';
import type { Cache } from '../cache/cache.js';
import { readBody } from './http.js';
import { listRecords, pruneRecords } from './records-routes.js';

const MAX_BODY = 1024 * 1024;

/** One endpoint: the methods it answers and how; the answer is a JSON body sent with 200. */
export interface Route {
  methods: string[];
  answer: (cache: Cache, req: IncomingMessage, params: URLSearchParams) => Promise<string> | string;
}

/** Nango's records API. */
export const RECORDS_ROUTES: Record<string, Route> = {
  '/records': {
    methods: ['GET', 'HEAD'],
    answer: (cache, req, params) => listRecords(cache, req, params),
  },
  '/records/prune': {
    methods: ['PATCH'],
    answer: async (cache, req, params) => pruneRecords(cache, req, params, await readBody(req, MAX_BODY)),
  },
};
