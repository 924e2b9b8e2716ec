/**
 * Security headers on every answer, written here rather than pulling in helmet: an API that serves
 * JSON and one documentation page needs a handful of them, and each is explained.
 */
import type { NextFunction, Request, Response } from 'express';

const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
// the Swagger UI at /docs loads its own scripts and styles from this origin; inline styles are its own
const DOCS_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function securityHeaders() {
  return (request: Request, response: Response, next: NextFunction): void => {
    response.removeHeader('X-Powered-By');
    const docs = request.path === '/docs' || request.path.startsWith('/docs/');
    response.setHeader('Content-Security-Policy', docs ? DOCS_POLICY : API_POLICY);
    // the browser must not guess a type (a JSON answer is never run as a script)
    response.setHeader('X-Content-Type-Options', 'nosniff');
    // never framed: no clickjacking of the documentation or of a future dashboard
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    // ignored over plain HTTP; behind a TLS proxy it keeps browsers on HTTPS
    response.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    // answers carry balances and tokens: no shared or disk cache may keep them
    if (!docs) response.setHeader('Cache-Control', 'no-store');
    next();
  };
}
