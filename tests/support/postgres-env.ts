/** Jest setup of the `api-postgres` project: every test app of the process runs on PostgreSQL (see test-app.ts). */
process.env.FUNDTRAIL_EVENT_STORE = 'postgres';
