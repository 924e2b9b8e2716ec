# Fundtrail application image: node 20, `npm ci`, `npm run build`, run `node dist/src/main.js`.
# Two stages: the build stage has the compiler and the dev dependencies; the runtime stage only what runs.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 (the default embedded store) is a native module: its prebuilt binary is fetched by its
# install script, with a compiler as the fallback when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Sources before `npm ci`: its `prepare` script compiles them.
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY projections ./projections
COPY bench ./bench
COPY bin ./bin
RUN npm ci
RUN npm run build
RUN npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    FUNDTRAIL_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
CMD ["node", "dist/src/main.js"]
