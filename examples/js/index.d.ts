// Types of the xxb-mock package.

export declare const APP_CODE: string;
export declare const APP_KEY: string;

/** Filters of /__inspect/notifications and /__inspect/requests. */
export type Filters = Record<string, string | number>;

export declare class XxbMock {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly binary: string;
  readonly code: string;
  readonly key: string;
  sign(query: string, key?: string): string;
  notifications(filters?: Filters): Promise<any[]>;
  requests(filters?: Filters): Promise<any[]>;
  reset(): Promise<void>;
  waitFor(options?: { count?: number; timeoutMs?: number } & Filters): Promise<any[]>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export declare function findBinary(): string;
export declare function startXxbMock(options?: { args?: string[]; binary?: string }): Promise<XxbMock>;
export declare function withXxbMock<A extends unknown[], R>(
  fn: (server: XxbMock, ...args: A) => R | Promise<R>,
  options?: { args?: string[]; binary?: string },
): (...args: A) => Promise<R>;
