; Inno Setup 6 script of Caducée's Windows installer, one per MSSanté operator.
; UTF-8 with a BOM: without it Inno Setup would read the French text as ANSI.
;
;   python packaging\build.py --operator packaging\operators\OPERATEUR.toml --dist dist
;   iscc /DDist=..\..\dist packaging\windows\caducee.iss
;
; build.py writes dist\caducee-edition.iss (AppVersion, OperatorId, OperatorName, AppTitle,
; SupportUrl) beside dist\caducee\ (the PyInstaller folder: caducee.exe for the command line,
; caducee-gui.exe for the Start menu). Per-user install (no administrator rights), in
; %LOCALAPPDATA%\Programs; the user's mail and settings (%LOCALAPPDATA%\Caducee) are kept on
; uninstall. Signing: see docs/operators.md and .github/workflows/installers.yml (the exe files
; are signed before iscc runs, the setup file after).

#ifndef Dist
  #define Dist "..\..\dist"
#endif
#include AddBackslash(Dist) + "caducee-edition.iss"

[Setup]
; One AppId per operator: two operators' editions can be installed side by side.
AppId=Caducee-{#OperatorId}
AppName={#AppTitle}
AppVersion={#AppVersion}
AppVerName={#AppTitle} {#AppVersion}
AppPublisher={#OperatorName}
AppSupportURL={#SupportUrl}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
DefaultDirName={autopf}\Caducee-{#OperatorId}
DefaultGroupName={#AppTitle}
DisableProgramGroupPage=yes
UninstallDisplayName={#AppTitle}
UninstallDisplayIcon={app}\caducee-gui.exe
OutputDir={#Dist}
OutputBaseFilename=Caducee-{#OperatorId}-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "fr"; MessagesFile: "compiler:Languages\French.isl"

[Files]
Source: "{#Dist}\caducee\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppTitle}"; Filename: "{app}\caducee-gui.exe"
Name: "{autodesktop}\{#AppTitle}"; Filename: "{app}\caducee-gui.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Créer une icône sur le bureau"; Flags: unchecked

[Run]
Filename: "{app}\caducee-gui.exe"; Description: "Lancer {#AppTitle}"; Flags: nowait postinstall skipifsilent

[Code]
// The card's PKCS#11 module (Cryptolib CPS, from the ANS) is looked for by Caducée where
// app/cps/modules.py says: System32\cps3_pkcs11_w64.dll for a 64-bit Caducée. Installing
// without it is allowed (it can come later); say so once.
function InitializeSetup(): Boolean;
begin
  if (not WizardSilent) and
     (not FileExists(ExpandConstant('{sys}\cps3_pkcs11_w64.dll'))) then
    MsgBox('Le logiciel de la carte CPS (Cryptolib CPS) n''est pas installé sur cet ' +
      'ordinateur. Caducée s''installe quand même ; installez « Cryptolib CPS » depuis le ' +
      'site de l''ANS avant de vous connecter avec votre carte.', mbInformation, MB_OK);
  Result := True;
end;
