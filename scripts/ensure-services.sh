#!/usr/bin/env bash
# Make sure what the tests talk to is running: RabbitMQ (with its management API, for a vhost per
# test), PostgreSQL, Debian's Chromium (browser tests) and promtool (deployment tests).
# Starts or installs what it can; otherwise says exactly what is missing and fails.
set -euo pipefail

AMQP_PORT=${RABBITMQ_PORT:-5672}
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo -n"; fi

say() { printf '\033[1m[ensure]\033[0m %s\n' "$*"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 "${2:-60}"); do port_open "$1" && return 0; sleep 1; done
  return 1
}
apt_install() {
  if command -v apt-get >/dev/null; then
    say "安装 $* (apt-get)…"
    $SUDO apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 ||
      { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y --no-install-recommends "$@" >/dev/null; }
  else
    return 1
  fi
}

# --- RabbitMQ -------------------------------------------------------------------------------
if ! port_open "$AMQP_PORT"; then
  if command -v rabbitmq-server >/dev/null; then
    say "RabbitMQ 未响应，启动本机 rabbitmq-server…"
    $SUDO rabbitmq-server -detached || true
    wait_port "$AMQP_PORT" 90 || { say "RabbitMQ 启动失败（查看 /var/log/rabbitmq/）"; exit 1; }
  else
    say "缺少 RabbitMQ：apt-get install -y rabbitmq-server，或设置 AMQP_URI 指向可用的代理"; exit 1
  fi
fi
if ! port_open 15672; then
  say "启用 RabbitMQ 管理插件（测试通过它为每次运行创建独立 vhost）…"
  $SUDO rabbitmq-plugins enable rabbitmq_management >/dev/null
  wait_port 15672 60 || { say "管理插件未在 15672 端口响应"; exit 1; }
fi

# --- PostgreSQL -----------------------------------------------------------------------------
if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    say "PostgreSQL 未响应，启动本机集群…"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    wait_port 5432 60 || { say "PostgreSQL 启动失败"; exit 1; }
  else
    say "缺少 PostgreSQL：apt-get install -y postgresql（测试使用 127.0.0.1:5432 的 trust 认证与数据库 test，或设置 COSUPERVISE_TEST_PG）"; exit 1
  fi
fi

# --- Chromium and promtool --------------------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  apt_install chromium || { say "缺少浏览器：apt-get install -y chromium"; exit 1; }
fi
if ! command -v promtool >/dev/null; then
  apt_install prometheus || { say "缺少 promtool：apt-get install -y prometheus"; exit 1; }
  # the Debian package starts a Prometheus server we do not need
  $SUDO pkill -x prometheus 2>/dev/null || true
fi
# LibreOffice renders the DOCX exports to PDF in the e2e tests (a document Word users can open)
if ! command -v soffice >/dev/null; then
  apt_install libreoffice-writer-nogui fonts-noto-cjk poppler-utils ||
    { say "缺少 LibreOffice：apt-get install -y libreoffice-writer-nogui fonts-noto-cjk poppler-utils"; exit 1; }
fi
say "RabbitMQ、PostgreSQL、Chromium、promtool、LibreOffice 均已就绪"
