# opencckm service image: builds the TypeScript once, runs the compiled server.
# Node.js 24: the active LTS line (20 reached end of life in April 2026).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# Inside a container the API must listen beyond loopback; publish the port deliberately (see
# docker-compose.yml) and terminate TLS here (CCKM_TLS_CERT/KEY) or in a reverse proxy.
ENV HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/openapi ./openapi
COPY --from=build /app/package.json ./
USER node
EXPOSE 8080 4599
CMD ["node", "dist/src/main.js"]
