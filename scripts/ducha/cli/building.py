"""``ducha build``: the intranet site, built aside and swapped in one step."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import AS_OF, ROOT, root_dir, say


class _Progress:
    """A click progress bar the plugin advances page by page."""

    def __init__(self):
        self.bar = None

    def start(self, total: int):
        self.bar = click.progressbar(length=total, label="生成页面", file=sys.stderr)
        self.bar.__enter__()

    def step(self):
        if self.bar is not None:
            self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command()
@AS_OF
@click.option("--strict", is_flag=True, help="有任何警告即失败（同 mkdocs build --strict）。")
@click.option("--config-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="MkDocs 配置文件（默认台账根目录下的 mkdocs.yml）。")
@ROOT
def build(as_of, strict, config_file, root):
    """校验台账并生成内网网站到 site/。

    先在临时目录中生成，成功后一步替换 site/；生成失败或中途被终止时原有网站保持不变。
    同一时间只进行一次生成：另一次生成正在进行时等它完成。
    给出 --as-of 时按当天结束时的提交还原台账（网站注明版本），否则按工作区。
    """
    import logging
    import shutil

    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, PluginError

    from ..site import sitedir

    root = root_dir(root)
    config_file = Path(config_file) if config_file else root / "mkdocs.yml"
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    mk_logger = logging.getLogger("mkdocs")
    mk_logger.addHandler(handler)
    progress = _Progress()
    tmp = None
    try:
        cfg = load_config(config_file=str(config_file), strict=strict)
        final = Path(cfg["site_dir"])
        plugin = cfg.plugins.get("ducha")
        if plugin is None:
            raise click.ClickException(f"{config_file} 没有启用 ducha 插件（plugins: - ducha）。")
        with sitedir.build_lock(final, on_wait=lambda: say(f"另一次网站生成正在写入 {final}，等待其完成……")):
            for leftover in sitedir.clean_leftovers(final):
                say(f"已清理上次中断的生成留下的目录：{leftover}")
            tmp = sitedir.take_spare(final)  # the site before the current one: written over, not made anew
            plugin.build_in_spare = tmp is not None
            tmp = tmp or sitedir.new_build_dir(final)
            cfg["site_dir"] = str(tmp)
            plugin.as_of_override = as_of
            plugin.progress = progress
            mkdocs_build(cfg)
            progress.close()
            sitedir.swap_in(tmp, final)
            tmp = None
    except (Abort, ConfigurationError, PluginError) as exc:
        progress.close()
        raise click.ClickException(f"网站生成失败，原有网站未改动。{exc}") from None
    finally:
        mk_logger.removeHandler(handler)
        if tmp is not None and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    for note in plugin.notes:  # e.g. the bulletins' PDF versions not made: no LibreOffice on this machine
        say(note)
    click.echo(f"网站已生成：{final}")
