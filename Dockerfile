# tensorpool-csi image: build on Debian 12 with the same set-up script as
# `make`, run on slim Debian 12 with only the runtime libraries.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh
COPY . .
RUN make clean && make -j"$(nproc)" build/tensorpool-csi && strip build/tensorpool-csi

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgrpc29 libprotobuf-c1 libjansson4 fuse3 nfs-common util-linux ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/tensorpool-csi /usr/bin/tensorpool-csi
ENTRYPOINT ["/usr/bin/tensorpool-csi"]
