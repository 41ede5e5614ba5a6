"""IVR menus (自动语音导航): menus as data (menu), JSON import/export (transfer), the
runner that walks a caller through a menu (runner: IvrLeg) and the management commands
(commands).  docs/ivr.md tells the installer's side."""
